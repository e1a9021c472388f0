"""A real RTSP camera for tests: GStreamer's RTSP server (Debian: gir1.2-gst-rtsp-server-1.0) streaming an
MPEG-TS file with H.264 over RTP, the way IP cameras do. Prints "ready" once it accepts clients.

It counts the frames (access units) it hands to the payloader, so a test can check every frame sent against what
reached the disk. SIGUSR1 ends the clip (EOS: what was sent is still delivered), prints "eos N", N the frames sent
in all, and takes the mount away so that a reconnecting client cannot start the clip again. A clip that runs out by
itself keeps its mount: a camera that reconnects gets the clip from the start, as tests of reconnection want.

usage: rtsp_server.py FILE PORT MOUNT [USER PASSWORD [digest]]

With USER and PASSWORD the mount asks for them (Basic authentication; Digest alone with "digest").

FILE "h265:" streams a live H.265 test picture instead (x265enc, from gstreamer1.0-plugins-bad): a camera sending
a codec an AVI segment cannot hold.
"""
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
gi.require_version("GstRtsp", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def main():
    path, port, mount = sys.argv[1], sys.argv[2], sys.argv[3]
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    if path == "h265:":
        factory.set_launch(
            "( videotestsrc is-live=true ! video/x-raw,width=320,height=180,framerate=10/1 "
            "! x265enc tune=zerolatency speed-preset=ultrafast key-int-max=10 ! h265parse config-interval=-1 "
            "! rtph265pay name=pay0 pt=96 config-interval=1 )"
        )
    else:
        factory.set_launch(
            '( filesrc location="%s" ! tsdemux ! h264parse config-interval=-1 '
            "! rtph264pay name=pay0 pt=96 config-interval=1 )" % path
        )
    factory.set_shared(True)
    state = {"frames": 0, "media": None, "running": False, "ending": False, "done": False}

    def counted(_pad, info):
        if info.type & Gst.PadProbeType.BUFFER:
            state["frames"] += 1
        elif info.get_event().type == Gst.EventType.EOS:
            state["running"] = False
            if state["ending"]:
                GLib.idle_add(finished)
        return Gst.PadProbeReturn.OK

    def finished():
        if not state["done"]:
            state["done"] = True
            server.get_mount_points().remove_factory(mount)
            print("eos %d" % state["frames"], flush=True)
        return False

    def configured(_factory, media):
        state["media"] = media
        state["running"] = True
        media.connect("unprepared", stopped)
        pay = media.get_element().get_by_name("pay0")
        pay.get_static_pad("sink").add_probe(
            Gst.PadProbeType.BUFFER | Gst.PadProbeType.EVENT_DOWNSTREAM, counted)

    def stopped(_media):  # the last client left (or the media failed): nothing more will pass
        state["running"] = False
        if state["ending"]:
            GLib.idle_add(finished)

    def end():
        if state["ending"]:
            return True
        state["ending"] = True
        if state["running"]:
            state["media"].get_element().send_event(Gst.Event.new_eos())
            GLib.timeout_add_seconds(10, finished)  # a pipeline that never passes the EOS on
        else:
            finished()
        return True

    factory.connect("media-configure", configured)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGUSR1, end)
    if len(sys.argv) >= 6:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "camera-user")
        if len(sys.argv) == 7 and sys.argv[6] == "digest":
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
            auth.add_digest(sys.argv[4], sys.argv[5], token)
        else:
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(sys.argv[4], sys.argv[5]), token)
        server.set_auth(auth)
        factory.add_role_from_structure(
            Gst.Structure.new_from_string(
                "camera-user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
            )
        )
    server.get_mount_points().add_factory(mount, factory)
    if server.attach(None) == 0:
        print("cannot listen on port %s" % port, flush=True)
        sys.exit(1)
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
