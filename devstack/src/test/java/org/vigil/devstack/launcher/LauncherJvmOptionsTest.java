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
        for (String service : List.of("capture-service", "recorder-service", "event-service", "gateway")) {
            List<String> options = Launcher.jvmOptions(service);
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
