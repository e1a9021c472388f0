package org.vigil.events.repository;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** An indexed recording segment (table {@code events.segments}). */
@Entity
@Table(name = "segments", schema = "events")
public class SegmentEntity {

    @Id
    @Column(name = "segment_id")
    public String segmentId;

    @Column(name = "camera_id")
    public String cameraId;

    public String site;
    public String root;
    public String path;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "ended_at")
    public Instant endedAt;

    public long frames;
    public long bytes;
    public String sha256;
    public String codec;
    public int width;
    public int height;
}
