package org.vigil.devstack.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The JVM options the launcher gives each service start a JVM of the kind that runs it (this one). */
class LauncherJvmOptionsTest {

    @Test
    void everyServicesOptionsStartThisJvmTrimTheNativeHeapAndSpareMonitorChecksWhereItCan() throws Exception {
        for (String service : List.of("capture-service", "recorder-service", "event-service", "gateway",
                "export-service", "retention-service")) {
            List<String> options = Launcher.jvmOptions(service);
            boolean media = service.startsWith("capture") || service.startsWith("recorder");
            assertThat(options.contains("-XX:TieredStopAtLevel=1"))
                    .as("%s compiles with C1 only unless it handles every frame", service).isEqualTo(!media);
            assertThat(options).as("%s gives back what a full collection frees at once", service)
                    .contains("-XX:-ShrinkHeapInSteps");
            // capture feeds cameras' bytes to FFmpeg: its archive keeps a random address (design 0030)
            assertThat(options.contains("-XX:ArchiveRelocationMode=0"))
                    .as("%s maps its class-data archive in place exactly when this JVM can and it is not capture",
                            service)
                    .isEqualTo(Launcher.jvmHasOption("ArchiveRelocationMode") && !service.startsWith("capture"));
            assertThat(options.contains("-XX:TrimNativeHeapInterval=" + Launcher.NATIVE_TRIM_INTERVAL_MS))
                    .as("%s trims its C heap exactly when this JVM can", service)
                    .isEqualTo(Launcher.jvmHasOption("TrimNativeHeapInterval"));
            assertThat(options.contains("-XX:AsyncDeflationInterval=" + Launcher.MONITOR_DEFLATION_CHECK_MS))
                    .as("%s looks for idle monitors less often exactly when this JVM can", service)
                    .isEqualTo(Launcher.jvmHasOption("AsyncDeflationInterval"));
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElse("java"));
            cmd.addAll(options);
            cmd.add("-version");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("%s: %s", options, out).isZero();
        }
    }

    @Test
    void anOptionThisJvmDoesNotKnowIsNotGiven() {
        assertThat(Launcher.jvmHasOption("UseSerialGC")).isTrue();
        assertThat(Launcher.jvmHasOption("NoSuchOptionAnywhere")).isFalse();
    }
}
