package org.vigil.sitelink.messaging;

import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.transforms.Transformation;
import org.jboss.logging.Logger;
import org.vigil.contracts.CameraConfig;
import org.vigil.contracts.Json;
import org.vigil.contracts.MalformedMessageException;
import org.vigil.sitelink.config.Sites;

/**
 * A Connect transform on the {@code central-><site>} flow: passes a camera registry record only when the camera is
 * that site's. Another site's camera (its name, its URL with credentials) never reaches the site; a record that cannot
 * be read is dropped and logged rather than pushed. A deletion (a null value) passes: it names only a camera id, and
 * a site must learn that its camera is gone.
 */
public class SiteFilter<R extends ConnectRecord<R>> implements Transformation<R> {

    /** The site this flow goes to. */
    public static final String SITE = "site";
    private static final Logger LOG = Logger.getLogger(SiteFilter.class);
    private static final ConfigDef CONFIG = new ConfigDef().define(SITE, ConfigDef.Type.STRING,
            ConfigDef.NO_DEFAULT_VALUE, ConfigDef.Importance.HIGH, "the site this flow pushes to");

    private String site;

    @Override
    public void configure(Map<String, ?> configs) {
        Object s = configs.get(SITE);
        if (s == null || !Sites.SITE_ID.matcher(s.toString()).matches()) {
            throw new IllegalArgumentException("SiteFilter needs a site id, got " + s);
        }
        site = s.toString();
    }

    @Override
    public R apply(R record) {
        Object value = record.value();
        if (value == null) {
            return record;
        }
        if (!(value instanceof byte[] bytes)) {
            LOG.warnf("camera registry record dropped on its way to site %s: not bytes (%s)", site,
                    value.getClass().getName());
            return null;
        }
        try {
            CameraConfig c = Json.read(bytes, CameraConfig.class);
            return site.equals(c.site()) ? record : null;
        } catch (MalformedMessageException e) {
            LOG.warnf("camera registry record dropped on its way to site %s: unreadable (%s)", site, e.getMessage());
            return null;
        }
    }

    @Override
    public ConfigDef config() {
        return CONFIG;
    }

    @Override
    public void close() {
    }
}
