package org.vigil.devstack.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A single-node Kafka broker and controller (KRaft) inside this JVM. Its log directory survives restarts; it is
 * formatted only the first time.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private final Path logDir;
    private final int port;
    private final int controllerPort;
    private final String wan;
    private final Quorum quorum;
    private final WanSecurity wanSecurity;
    private KafkaRaftServer server;

    /**
     * This broker's place in a cluster of combined brokers and controllers (design 0017, section 4).
     *
     * @param nodeId this node's id, 1 to n
     * @param voters every node's controller address, {@code 1@127.0.0.1:9093,2@127.0.0.1:9095,…}
     * @param clusterId the id all members are formatted with
     */
    public record Quorum(int nodeId, String voters, String clusterId) {
        public Quorum {
            if (nodeId < 1 || voters == null || !voters.matches("[0-9]+@[0-9A-Za-z.-]+:[0-9]+(,[0-9]+@[0-9A-Za-z.-]+:[0-9]+)*")
                    || !voters.matches("(.*,)?" + nodeId + "@.*") || clusterId == null || clusterId.isBlank()) {
                throw new IllegalArgumentException("a quorum member is a node id, the voters (id@host:port,…) that "
                        + "include it, and a cluster id; got " + nodeId + ", " + voters + ", " + clusterId);
            }
        }

        int size() {
            return voters.split(",").length;
        }
    }

    public EmbeddedKafka(Path logDir, int port, int controllerPort) {
        this(logDir, port, controllerPort, null);
    }

    /**
     * A broker with a second listener for clients across a WAN link (a site node's, design 0017): {@code wan} is
     * {@code <bind host>:<port>@<advertised host>:<port>}, the address it listens on and the one clients that came
     * through it are told to use (a relay's, say), or null for none. The site's own clients stay on 127.0.0.1.
     */
    public EmbeddedKafka(Path logDir, int port, int controllerPort, String wan) {
        this(logDir, port, controllerPort, wan, null);
    }

    /**
     * A broker that is one member of a quorum ({@code null}: a cluster of its own). With three members or more,
     * Kafka's own topics keep 3 replicas and need 2 in sync, as Vigil's topics do (TopicAdmin).
     */
    public EmbeddedKafka(Path logDir, int port, int controllerPort, String wan, Quorum quorum) {
        this(logDir, port, controllerPort, wan, quorum, null);
    }

    /**
     * A broker whose WAN listener is secured by {@code wanSecurity} (TLS with the site's key, SCRAM for central's
     * site-link; design 0017 §6), or by nothing where it is null.
     */
    public EmbeddedKafka(Path logDir, int port, int controllerPort, String wan, Quorum quorum,
            WanSecurity wanSecurity) {
        this.quorum = quorum;
        this.wanSecurity = wanSecurity;
        this.logDir = logDir;
        this.port = port;
        this.controllerPort = controllerPort;
        if (wan != null && !wan.matches("[0-9A-Za-z.-]+:[0-9]+@[0-9A-Za-z.-]+:[0-9]+")) {
            throw new IllegalArgumentException("a WAN listener is <bind host>:<port>@<advertised host>:<port>, got "
                    + wan);
        }
        this.wan = wan;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public synchronized void start() throws IOException {
        Files.createDirectories(logDir);
        Properties props = brokerProperties();
        Path configFile = logDir.resolve("server.properties");
        Files.deleteIfExists(configFile); // owner-only from its creation: it may hold the WAN keystore's password
        Files.createFile(configFile, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        try (Writer w = Files.newBufferedWriter(configFile)) {
            props.store(w, "written by Vigil devstack on every start");
        }
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int rc = StorageTool.execute(new String[] {"format", "-t",
                    quorum == null ? Uuid.randomUuid().toString() : quorum.clusterId(), "-c",
                    configFile.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8));
            if (rc != 0) {
                throw new IOException("formatting Kafka storage in " + logDir + " failed: "
                        + out.toString(StandardCharsets.UTF_8).trim());
            }
        }
        server = new KafkaRaftServer(new KafkaConfig(props), Time.SYSTEM);
        server.startup();
        if (wan != null && wanSecurity != null) {
            allowCentral();
        }
    }

    /** Sets central's SCRAM password (again on every start: a changed file takes effect). */
    private void allowCentral() throws IOException {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrapServers()))) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(WanSecurity.CENTRAL_USER,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), wanSecurity.centralPassword())))
                    .all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("could not set central's credentials on the WAN listener: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while setting central's credentials");
        }
    }

    private Properties brokerProperties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", quorum == null ? "1" : Integer.toString(quorum.nodeId()));
        p.put("controller.quorum.voters", quorum == null ? "1@127.0.0.1:" + controllerPort : quorum.voters());
        String listeners = "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort;
        String advertised = "PLAINTEXT://127.0.0.1:" + port;
        if (wan != null) {
            listeners += ",WAN://" + wan.substring(0, wan.indexOf('@'));
            advertised += ",WAN://" + wan.substring(wan.indexOf('@') + 1);
        }
        p.put("listeners", listeners);
        p.put("advertised.listeners", advertised);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,WAN:"
                + (wanSecurity == null ? "PLAINTEXT" : "SASL_SSL"));
        if (wanSecurity != null) {
            p.putAll(wanSecurity.listenerProperties("wan"));
        }
        p.put("log.dirs", logDir.toAbsolutePath().toString());
        String replicas = Integer.toString(quorum == null ? 1 : Math.min(3, quorum.size()));
        String inSync = quorum != null && quorum.size() >= 3 ? "2" : "1";
        p.put("offsets.topic.replication.factor", replicas);
        p.put("offsets.topic.num.partitions", "12");
        p.put("transaction.state.log.replication.factor", replicas);
        p.put("transaction.state.log.min.isr", inSync);
        p.put("share.coordinator.state.topic.replication.factor", replicas);
        p.put("share.coordinator.state.topic.min.isr", inSync);
        p.put("default.replication.factor", replicas);
        p.put("min.insync.replicas", inSync);
        p.put("group.initial.rebalance.delay.ms", "0");
        // Topics are created on purpose (devstack, deploy/), never by a typo in a producer.
        p.put("auto.create.topics.enable", "false");
        p.put("log.retention.check.interval.ms", "60000");
        // Media packets are large; allow a 1080p key frame with room to spare.
        p.put("message.max.bytes", "8388608");
        p.put("replica.fetch.max.bytes", "8388608");
        // Sized for a small install (design 0021): a handful of clients, not thousands. Fewer network threads, request
        // handlers, group coordinator and background threads than Kafka's defaults (3 network, 8 I/O, 4 group
        // coordinator, 10 background; each of them wakes five times a second or more with nothing to do, design
        // 0029), and the active controller's no-op heartbeat record written every 5 s rather than every 0.5 s: on a
        // quiet stack those records were most of what the metadata log wrote. Brokers still learn of a change at once;
        // only a stale controller is noticed later. One network thread moves a site node's 16 cameras (8 MB/s in,
        // as much out) with room to spare.
        p.put("num.network.threads", "1");
        p.put("num.io.threads", "2");
        p.put("group.coordinator.threads", "1");
        p.put("background.threads", "2");
        p.put("metadata.max.idle.interval.ms", "5000");
        // Each partition's high watermark is written to a checkpoint file (and synced) every 60 s, not every 5 s: the
        // file only spares a restarted follower some re-fetching (a leader's watermark comes back from its log, and
        // followers truncate by leader epoch); writing it was half of an idle broker's scheduler work (design 0032).
        p.put("replica.high.watermark.checkpoint.interval.ms", "60000");
        // The log cleaner (compacted topics: the registry, settings, statuses) keeps a dedupe map of keys on the heap,
        // 128 MB by default and all of it allocated up front: a third of the whole stack's idle memory. 4 MB holds
        // about 150,000 keys per cleaning pass (24 bytes a key, 90 % full), far more than a small install's cameras,
        // settings and statuses; a topic with more is cleaned in several passes (design 0029: 16 MB before).
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(4 * 1024 * 1024));
        return p;
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }
}
