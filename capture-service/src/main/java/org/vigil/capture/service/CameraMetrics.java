package org.vigil.capture.service;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/** One camera's meters, tagged {@code camera}; removed from the registry when the camera stops here. */
final class CameraMetrics {

    final Counter packets;
    final Counter dropped;
    final Counter analysed;
    final Counter reconnects;
    final Timer decode;
    final Timer motion;
    final Timer searching;
    final Timer confirming;
    final AtomicLong connected = new AtomicLong();
    final AtomicLong online = new AtomicLong();
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    CameraMetrics(MeterRegistry registry, String camera, DoubleSupplier inputFps, DoubleSupplier lastPacketAge) {
        this.registry = registry;
        Tags t = Tags.of("camera", camera);
        packets = add(Counter.builder("vigil_capture_input_packets_total").tags(t)
                .description("packets received from the camera").register(registry));
        dropped = add(Counter.builder("vigil_capture_dropped_packets_total").tags(t)
                .description("packets not sent to Kafka (buffer full or Kafka unreachable)").register(registry));
        analysed = add(Counter.builder("vigil_capture_analysed_frames_total").tags(t)
                .description("frames run through motion analysis").register(registry));
        reconnects = add(Counter.builder("vigil_capture_reconnects_total").tags(t)
                .description("connection attempts after a failure").register(registry));
        decode = add(Timer.builder("vigil_capture_decode_seconds").tags(t)
                .description("decoding one packet for analysis").register(registry));
        motion = add(Timer.builder("vigil_capture_motion_seconds").tags(t)
                .description("motion analysis of one frame, the detector's looks included").register(registry));
        searching = add(Timer.builder("vigil_capture_detector_seconds").tags(t.and("phase", "searching"))
                .description("one look of the object detector in a motion event it has found nothing in yet")
                .register(registry));
        confirming = add(Timer.builder("vigil_capture_detector_seconds").tags(t.and("phase", "confirming"))
                .description("one look of the object detector in a motion event that holds a detection")
                .register(registry));
        // strong references: a gauge holds its object weakly, and a lambda nobody else keeps is collected (NaN)
        add(Gauge.builder("vigil_capture_input_fps", inputFps, DoubleSupplier::getAsDouble).tags(t).strongReference(true)
                .description("frames per second received over the last 5 s").register(registry));
        add(Gauge.builder("vigil_capture_connected", connected, AtomicLong::get).tags(t).strongReference(true)
                .description("1 while connected to the camera").register(registry));
        add(Gauge.builder("vigil_capture_online", online, AtomicLong::get).tags(t).strongReference(true)
                .description("1 while the camera's status is online; 0 when offline or no signal").register(registry));
        add(Gauge.builder("vigil_capture_last_packet_age_seconds", lastPacketAge, DoubleSupplier::getAsDouble).tags(t)
                .strongReference(true).description("seconds since the camera last delivered a packet")
                .register(registry));
    }

    private <M extends Meter> M add(M m) {
        meters.add(m);
        return m;
    }

    long time(Timer timer, Runnable work) {
        long t0 = System.nanoTime();
        work.run();
        long ns = System.nanoTime() - t0;
        timer.record(ns, TimeUnit.NANOSECONDS);
        return ns;
    }

    void remove() {
        meters.forEach(registry::remove);
    }
}
