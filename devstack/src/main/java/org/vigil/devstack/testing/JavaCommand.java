package org.vigil.devstack.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The command line of a JVM that a test starts (a service, a broker, a spooling process): this JVM's own executable,
 * then {@code VIGIL_JAVA_OPTS} (the options the launcher gives every service it starts, so one variable reaches the
 * stacks' services and the tests' own JVMs alike), then the test's arguments, which win where both set an option.
 */
public final class JavaCommand {

    private JavaCommand() {
    }

    public static List<String> of(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        String extra = System.getenv().getOrDefault("VIGIL_JAVA_OPTS", "").trim();
        if (!extra.isEmpty()) {
            cmd.addAll(Arrays.asList(extra.split("\\s+")));
        }
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }
}
