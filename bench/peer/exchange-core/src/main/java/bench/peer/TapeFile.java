package bench.peer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A command tape as written by bench/tapes/tape.ts (encodeTape): a 64-byte header, then
 * columns, each padded to 8 bytes. Read once into primitive arrays so the timed loop
 * touches nothing but arrays.
 */
final class TapeFile {
    static final int MAGIC = 0x31505458; // "XTP1"
    static final int VERSION = 1;
    static final int HEADER_BYTES = 64;

    static final byte OP_NEW = 0;
    static final byte OP_CANCEL = 1;
    static final byte OP_REDUCE = 2;
    static final byte OP_MOVE = 3;
    static final byte OP_REPLACE = 4;
    static final byte SIDE_BUY = 0;
    static final byte TYPE_MARKET = 1;
    static final byte TIF_GTC = 0;

    final int count;
    final long minPrice;
    final long maxPrice;
    final byte[] op;
    final byte[] side;
    final byte[] type;
    final byte[] tif;
    final long[] id;
    final long[] user;
    final long[] price;
    final long[] qty;
    final long[] aux;

    private TapeFile(int count, long minPrice, long maxPrice) {
        this.count = count;
        this.minPrice = minPrice;
        this.maxPrice = maxPrice;
        op = new byte[count];
        side = new byte[count];
        type = new byte[count];
        tif = new byte[count];
        id = new long[count];
        user = new long[count];
        price = new long[count];
        qty = new long[count];
        aux = new long[count];
    }

    private static int padded(long bytes) {
        return (int) ((bytes + 7) & ~7L);
    }

    static long fileBytes(long count) {
        return HEADER_BYTES + 4L * padded(count) + padded(count * 8) + 4L * padded(count * 4);
    }

    static TapeFile read(Path path) throws IOException {
        final byte[] raw = Files.readAllBytes(path);
        if (raw.length < HEADER_BYTES) throw new IOException("tape file too short: " + raw.length + " bytes");
        final ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != MAGIC) throw new IOException("not a tape file (bad magic)");
        if (b.getInt(4) != VERSION) throw new IOException("tape version " + b.getInt(4) + ", expected " + VERSION);
        final long n = Integer.toUnsignedLong(b.getInt(8));
        if (raw.length != fileBytes(n)) throw new IOException("tape file of " + raw.length + " bytes, expected " + fileBytes(n));
        final TapeFile t = new TapeFile((int) n, b.getInt(16), b.getInt(20));
        int at = HEADER_BYTES;
        at = bytes(b, at, t.op);
        at = bytes(b, at, t.side);
        at = bytes(b, at, t.type);
        at = bytes(b, at, t.tif);
        for (int i = 0; i < n; i++) {
            final double v = b.getDouble(at + 8 * i);
            if (v != Math.rint(v) || v < 0 || v >= 0x1p53) throw new IOException("tape message " + i + ": id " + v + " is not an integer in [0, 2^53)");
            t.id[i] = (long) v;
        }
        at += padded(n * 8);
        at = ints(b, at, t.user, true);
        at = ints(b, at, t.price, false);
        at = ints(b, at, t.qty, false);
        ints(b, at, t.aux, false);
        return t;
    }

    private static int bytes(ByteBuffer b, int at, byte[] out) {
        b.get(at, out, 0, out.length);
        return at + padded(out.length);
    }

    private static int ints(ByteBuffer b, int at, long[] out, boolean unsigned) {
        for (int i = 0; i < out.length; i++) {
            final int v = b.getInt(at + 4 * i);
            out[i] = unsigned ? Integer.toUnsignedLong(v) : v;
        }
        return at + padded(4L * out.length);
    }
}
