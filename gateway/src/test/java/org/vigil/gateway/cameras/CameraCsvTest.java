package org.vigil.gateway.cameras;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.vigil.contracts.Zone;

class CameraCsvTest {

    private static final Zone DOOR = new Zone("door", List.of(new Zone.Point(0.1, 0.1), new Zone.Point(0.9, 0.1),
            new Zone.Point(0.5, 0.9)));

    @Test
    void whatExportWritesImportReadsBackTheSame() {
        CameraInput in = new CameraInput("gate-1", "=HYPERLINK(\"x\"), \"gate\"", "hq", "rtsp://10.0.0.5/s1",
                "rtsp://10.0.0.5/s2", "viewer", null, false, true, 0.7, 0.01, List.of(DOOR), List.of(), List.of("person",
                        "car"), 14);
        String csv = CameraCsv.write(List.of(CameraDetails.of(in.toConfig(Instant.now(), "admin"))));
        assertThat(csv.lines().findFirst()).hasValue(String.join(",", CameraCsv.COLUMNS));
        // a spreadsheet would run a cell starting with '=' as a formula: it is written with a leading quote
        assertThat(csv).contains("\"'=HYPERLINK(");

        CameraCsv.Parsed back = CameraCsv.read(csv);
        assertThat(back.problems()).isEmpty();
        assertThat(back.rows()).hasSize(1);
        assertThat(back.rows().get(0).row()).isEqualTo(2);
        assertThat(back.rows().get(0).input()).isEqualTo(in);
    }

    @Test
    void everyBadCellIsListedWithItsRowAndColumnAndNoRowIsKept() {
        String csv = """
                id,name,site,url,enabled,sensitivity,retention_days,zones
                a,A,hq,rtsp://h/1,yes,0.5,,
                b,B,hq,rtsp://h/2,maybe,loud,7.5,
                a,C,hq,rtsp://h/3,,,,[{"name":
                """;
        CameraCsv.Parsed p = CameraCsv.read(csv);
        assertThat(p.rows()).isEmpty();
        assertThat(p.problems()).extracting(c -> c.row() + ":" + c.column()).containsExactly("3:enabled",
                "3:sensitivity", "3:retention_days", "4:zones", "4:id");
    }

    @Test
    void aFileWithUnknownOrMissingColumnsIsRefusedAtItsHeader() {
        CameraCsv.Parsed p = CameraCsv.read("id,name,pwd,url\nx,X,secret,test:\n");
        assertThat(p.problems()).extracting(c -> c.row() + ":" + c.column()).containsExactly("1:pwd", "1:site");
        // a password column is read on import (and sealed before anything stores it), never written on export
        assertThat(CameraCsv.read("id,name,site,url,password\nx,X,hq,test:,s3cret\n").rows().get(0).input()
                .password()).isEqualTo("s3cret");
        assertThat(CameraCsv.read("").problems()).hasSize(1);
        assertThat(CameraCsv.read("id,name,site,url\n\"unterminated,X,hq,test:\n").problems()).hasSize(1);
    }

    @Test
    void anApiFieldMapsToItsColumn() {
        assertThat(CameraCsv.column("subStreamUrl")).isEqualTo("sub_stream_url");
        assertThat(CameraCsv.column("zones[2].polygon[1]")).isEqualTo("zones");
        assertThat(CameraCsv.column("labels[0]")).isEqualTo("labels");
        assertThat(CameraCsv.column("retentionDays")).isEqualTo("retention_days");
    }
}
