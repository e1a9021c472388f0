package org.vigil.capture.source;

/**
 * One compressed packet as read from a camera, before it becomes a {@link org.vigil.contracts.MediaPacket}.
 *
 * @param data        the packet bytes, untouched
 * @param pts         presentation time in {@code timeBaseNum/timeBaseDen} units, or
 *                    {@link org.vigil.contracts.MediaPacket#NO_TIME}
 * @param dts         decode time, same units, or {@link org.vigil.contracts.MediaPacket#NO_TIME}
 * @param keyFrame    whether a decoder can start here
 */
public record Packet(byte[] data, long pts, long dts, int timeBaseNum, int timeBaseDen, boolean keyFrame) {
}
