package org.vigil.devstack.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What `./vigil up` says about the first admin, from what the gateway answered to a sign-in with this start's password. */
class LauncherAdminLinesTest {

    private static final String PASSWORD = "k3Yq-first-start";

    @Test
    void anAcceptedSignInShowsThePasswordOnceAndARefusedOneNeverDoes() {
        assertThat(String.join("\n", Launcher.adminLines(ReadinessProbe.SignIn.ACCEPTED, PASSWORD)))
                .contains("admin / " + PASSWORD).contains("shown once");
        assertThat(String.join("\n", Launcher.adminLines(ReadinessProbe.SignIn.REFUSED, PASSWORD)))
                .doesNotContain(PASSWORD).contains("exists from an earlier run");
    }

    @Test
    void noAnswerStillShowsThePasswordSayingItCouldNotBeChecked() {
        // a first start whose test sign-in timed out (the gateway making its signing key on a loaded machine) once
        // printed "exists from an earlier run" and hid the only copy of the password
        String lines = String.join("\n", Launcher.adminLines(ReadinessProbe.SignIn.NO_ANSWER, PASSWORD));
        assertThat(lines).contains("admin / " + PASSWORD).contains("could not be checked");
    }
}
