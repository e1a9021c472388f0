package org.vigil.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vigil.devstack.embedded.ChildProcesses;

class ChildProcessesTest {

    @TempDir
    Path dir;

    @Test
    void aNewLauncherStopsWhatAKilledOneLeftBehind() throws Exception {
        Path pids = dir.resolve("children.pids");
        ChildProcesses first = new ChildProcesses(pids);
        Process orphan = first.start("sleeper", List.of("sleep", "300"), Map.of(), dir.resolve("sleeper.log"));
        // the first launcher "dies" without cleaning up: its pid file stays

        List<String> reaped = new ChildProcesses(pids).reapLeftovers();

        assertThat(reaped).singleElement().asString().startsWith("sleeper (pid " + orphan.pid());
        assertThat(orphan.toHandle().onExit().get(java.time.Duration.ofSeconds(10).toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS).isAlive()).isFalse();
        assertThat(Files.exists(pids)).isFalse();
    }

    @Test
    void aRecordedPidThatNowBelongsToAnotherProcessIsLeftAlone() throws Exception {
        Path pids = dir.resolve("children.pids");
        long self = ProcessHandle.current().pid();
        // same pid, different start time: the pid was reused by an unrelated process
        Files.writeString(pids, self + " 12345 gateway\n");

        assertThat(new ChildProcesses(pids).reapLeftovers()).isEmpty();
        assertThat(ProcessHandle.current().isAlive()).isTrue();
    }

    @Test
    void childrenRunInTheirOwnSessionSoCtrlCReachesOnlyTheLauncher() throws Exception {
        ChildProcesses children = new ChildProcesses(dir.resolve("children.pids"));
        Process p = children.start("sid", List.of("sh", "-c", "ps -o sid= -p $$; ps -o sid= -p " + ProcessHandle.current()
                .pid()), Map.of(), dir.resolve("sid.log"));
        assertThat(p.waitFor()).isZero();
        List<String> sids = Files.readAllLines(dir.resolve("sid.log")).stream().map(String::trim).toList();
        assertThat(sids).hasSize(2);
        assertThat(sids.get(0)).isNotEqualTo(sids.get(1));
        children.close();
    }
}
