package org.vigil.gateway.security;

import java.time.InstantSource;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.vigil.gateway.config.GatewayConfig;

/** The gateway's one {@link SignInThrottle}: the default rules with the configured per-account lock. */
public class SignInThrottleProducer {

    @Produces
    @Singleton
    SignInThrottle throttle(GatewayConfig config, InstantSource clock) {
        if (config.maxFailedLogins() < 1 || config.lockout().isNegative() || config.lockout().isZero()) {
            throw new IllegalArgumentException("vigil.gateway.max-failed-logins must be 1 or more and "
                    + "vigil.gateway.lockout a positive duration");
        }
        return new SignInThrottle(SignInThrottle.Rules.DEFAULT.withPairLock(config.maxFailedLogins(),
                config.lockout()), clock);
    }
}
