package bench.peer;

import exchange.core2.collections.objpool.ObjectsPool;
import exchange.core2.core.common.CoreSymbolSpecification;
import exchange.core2.core.common.L2MarketData;
import exchange.core2.core.common.MatcherEventType;
import exchange.core2.core.common.MatcherTradeEvent;
import exchange.core2.core.common.OrderAction;
import exchange.core2.core.common.OrderType;
import exchange.core2.core.common.SymbolType;
import exchange.core2.core.common.cmd.CommandResultCode;
import exchange.core2.core.common.cmd.OrderCommand;
import exchange.core2.core.common.cmd.OrderCommandType;
import exchange.core2.core.common.config.LoggingConfiguration;
import exchange.core2.core.orderbook.IOrderBook;
import exchange.core2.core.orderbook.OrderBookDirectImpl;
import exchange.core2.core.orderbook.OrderBookEventsHelper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The exchange-core peer of the tape benchmark: exchange-core 0.5.3's order book
 * (OrderBookDirectImpl) driven single-threaded through IOrderBook.processCommand with one
 * reused OrderCommand, as its matching engine stage does without the disruptor pipeline
 * around it (six threads thrash on two cores). The tape mapping is in bench/README.md:
 * new GTC/IOC -> PLACE_ORDER; market -> PLACE_ORDER IOC at the band's edge; cancel ->
 * CANCEL_ORDER; reduce -> REDUCE_ORDER; move -> MOVE_ORDER; replace -> CANCEL_ORDER then
 * PLACE_ORDER GTC with the same id.
 *
 * Usage:
 *   --tape FILE [--warmup N] [--rounds N]  digest pass, N warm-up passes, N timed passes; one JSON line
 *   --serve                                line protocol on stdin, one JSON line per command on stdout:
 *                                          "load FILE", "digest", "round", "latency", "quit"
 */
public final class ExchangeCorePeer {

    private static final int SYMBOL_ID = 1;
    private static final int TOP_LEVELS = 10;

    private final TapeFile tape;
    private final CoreSymbolSpecification spec;
    /** One pool per tape, kept across rounds: a long-running exchange has a warm pool too. */
    private final ObjectsPool pool;
    private final OrderCommand cmd = new OrderCommand();

    ExchangeCorePeer(TapeFile tape) {
        this.tape = tape;
        this.spec = CoreSymbolSpecification.builder()
                .symbolId(SYMBOL_ID)
                // A futures contract: the order book then applies no exchange-pair risk check on moves.
                .type(SymbolType.FUTURES_CONTRACT)
                .baseCurrency(0)
                .quoteCurrency(1)
                .baseScaleK(1)
                .quoteScaleK(1)
                .build();
        // The sizes exchange-core's MatchingEngineRouter gives its pool.
        final Map<Integer, Integer> cfg = new HashMap<>();
        cfg.put(ObjectsPool.DIRECT_ORDER, 1024 * 1024);
        cfg.put(ObjectsPool.DIRECT_BUCKET, 1024 * 64);
        cfg.put(ObjectsPool.ART_NODE_4, 1024 * 32);
        cfg.put(ObjectsPool.ART_NODE_16, 1024 * 16);
        cfg.put(ObjectsPool.ART_NODE_48, 1024 * 8);
        cfg.put(ObjectsPool.ART_NODE_256, 1024 * 4);
        this.pool = new ObjectsPool(cfg);
    }

    IOrderBook freshBook() {
        return new OrderBookDirectImpl(spec, pool, OrderBookEventsHelper.NON_POOLED_EVENTS_HELPER, LoggingConfiguration.DEFAULT);
    }

    // ---- the loops ----

    /** Runs the whole tape; returns how many calls did not return SUCCESS. */
    static long runAll(IOrderBook book, TapeFile t, OrderCommand cmd) {
        long failures = 0;
        for (int i = 0; i < t.count; i++) failures += apply(book, t, cmd, i, null);
        return failures;
    }

    /** Runs the whole tape timing each message (ns, one timer read per message). */
    static long runTimed(IOrderBook book, TapeFile t, OrderCommand cmd, long[] out) {
        long failures = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < t.count; i++) {
            failures += apply(book, t, cmd, i, null);
            final long t1 = System.nanoTime();
            out[i] = t1 - t0;
            t0 = t1;
        }
        return failures;
    }

    /** One tape message (two calls for a replace); folds events into `d` when it is not null. */
    static int apply(IOrderBook book, TapeFile t, OrderCommand cmd, int i, Digest d) {
        int failures = 0;
        cmd.orderId = t.id[i];
        cmd.uid = t.user[i];
        cmd.symbol = SYMBOL_ID;
        cmd.timestamp = i;
        cmd.matcherEvent = null;
        cmd.resultCode = CommandResultCode.VALID_FOR_MATCHING_ENGINE;
        switch (t.op[i]) {
            case TapeFile.OP_NEW:
                place(t, cmd, i);
                break;
            case TapeFile.OP_CANCEL:
                cmd.command = OrderCommandType.CANCEL_ORDER;
                break;
            case TapeFile.OP_REDUCE:
                cmd.command = OrderCommandType.REDUCE_ORDER;
                cmd.size = t.aux[i];
                break;
            case TapeFile.OP_MOVE:
                cmd.command = OrderCommandType.MOVE_ORDER;
                cmd.price = t.price[i];
                break;
            case TapeFile.OP_REPLACE:
                cmd.command = OrderCommandType.CANCEL_ORDER;
                if (IOrderBook.processCommand(book, cmd) != CommandResultCode.SUCCESS) failures++;
                if (d != null) d.collect(cmd);
                cmd.matcherEvent = null;
                cmd.resultCode = CommandResultCode.VALID_FOR_MATCHING_ENGINE;
                placeLimit(t, cmd, i, OrderType.GTC);
                break;
            default:
                throw new IllegalStateException("tape message " + i + ": unknown op " + t.op[i]);
        }
        if (IOrderBook.processCommand(book, cmd) != CommandResultCode.SUCCESS) failures++;
        if (d != null) d.collect(cmd);
        return failures;
    }

    private static void place(TapeFile t, OrderCommand cmd, int i) {
        if (t.type[i] == TapeFile.TYPE_MARKET) {
            // exchange-core has no market order: an IOC limit at the edge of the price band takes every level there is.
            placeLimit(t, cmd, i, OrderType.IOC);
            cmd.price = t.side[i] == TapeFile.SIDE_BUY ? t.maxPrice : t.minPrice;
            cmd.reserveBidPrice = cmd.price;
        } else {
            placeLimit(t, cmd, i, t.tif[i] == TapeFile.TIF_GTC ? OrderType.GTC : OrderType.IOC);
        }
    }

    private static void placeLimit(TapeFile t, OrderCommand cmd, int i, OrderType orderType) {
        cmd.command = OrderCommandType.PLACE_ORDER;
        cmd.orderType = orderType;
        cmd.action = t.side[i] == TapeFile.SIDE_BUY ? OrderAction.BID : OrderAction.ASK;
        cmd.price = t.price[i];
        cmd.reserveBidPrice = t.price[i];
        cmd.size = t.qty[i];
    }

    // ---- commands ----

    String digest() {
        final IOrderBook book = freshBook();
        final Digest d = new Digest();
        long failures = 0;
        for (int i = 0; i < tape.count; i++) failures += apply(book, tape, cmd, i, d);
        return "{\"digest\":" + d.json(book.getL2MarketDataSnapshot(Integer.MAX_VALUE)) + ",\"failures\":" + failures + "}";
    }

    String round() {
        final IOrderBook book = freshBook();
        System.gc();
        final long[] gc0 = gcTotals();
        final long t0 = System.nanoTime();
        final long failures = runAll(book, tape, cmd);
        final long ns = System.nanoTime() - t0;
        final long[] gc1 = gcTotals();
        return "{\"ns\":" + ns + ",\"messages\":" + tape.count + ",\"msgsPerSec\":" + (tape.count * 1e9 / ns)
                + ",\"failures\":" + failures + ",\"gcCount\":" + (gc1[0] - gc0[0]) + ",\"gcMs\":" + (gc1[1] - gc0[1]) + "}";
    }

    String latency() {
        final long[] overheadSamples = new long[Math.min(tape.count, 1_000_000)];
        long t0 = System.nanoTime();
        for (int i = 0; i < overheadSamples.length; i++) {
            final long t1 = System.nanoTime();
            overheadSamples[i] = t1 - t0;
            t0 = t1;
        }
        Arrays.sort(overheadSamples);
        final long overhead = overheadSamples[overheadSamples.length / 2];
        final IOrderBook book = freshBook();
        System.gc();
        final long[] out = new long[tape.count];
        final long failures = runTimed(book, tape, cmd, out);
        for (int i = 0; i < out.length; i++) out[i] = Math.max(0, out[i] - overhead);
        Arrays.sort(out);
        final int n = out.length;
        return "{\"count\":" + n + ",\"timerOverheadNs\":" + overhead + ",\"p50\":" + out[(int) (0.5 * (n - 1))] + ",\"p90\":" + out[(int) (0.9 * (n - 1))]
                + ",\"p99\":" + out[(int) (0.99 * (n - 1))] + ",\"p999\":" + out[(int) (0.999 * (n - 1))] + ",\"max\":" + out[n - 1]
                + ",\"failures\":" + failures + "}";
    }

    private static long[] gcTotals() {
        long count = 0;
        long ms = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, b.getCollectionCount());
            ms += Math.max(0, b.getCollectionTime());
        }
        return new long[]{count, ms};
    }

    static String about() {
        return "\"peer\":\"exchange-core 0.5.3 OrderBookDirectImpl\",\"java\":\"" + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version") + "\",\"jvmArgs\":\""
                + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    // ---- entry points ----

    public static void main(String[] args) throws IOException {
        String tapePath = null;
        int warmup = 1;
        int rounds = 5;
        boolean serve = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--tape": tapePath = args[++i]; break;
                case "--warmup": warmup = Integer.parseInt(args[++i]); break;
                case "--rounds": rounds = Integer.parseInt(args[++i]); break;
                case "--serve": serve = true; break;
                default: throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (serve) {
            serve();
        } else if (tapePath != null) {
            batch(tapePath, warmup, rounds);
        } else {
            throw new IllegalArgumentException("usage: --tape FILE [--warmup N] [--rounds N] | --serve");
        }
    }

    private static void batch(String tapePath, int warmup, int rounds) throws IOException {
        final ExchangeCorePeer peer = new ExchangeCorePeer(TapeFile.read(Path.of(tapePath)));
        final StringBuilder sb = new StringBuilder("{").append(about()).append(",\"messages\":").append(peer.tape.count);
        final String digest = peer.digest();
        sb.append(",\"check\":").append(digest);
        for (int i = 0; i < warmup; i++) peer.round();
        sb.append(",\"warmupRounds\":").append(warmup).append(",\"rounds\":[");
        for (int i = 0; i < rounds; i++) sb.append(i == 0 ? "" : ",").append(peer.round());
        System.out.println(sb.append("]}"));
    }

    private static void serve() throws IOException {
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        ExchangeCorePeer peer = null;
        System.out.println("{\"ready\":true," + about() + "}");
        for (String line; (line = in.readLine()) != null; ) {
            final String reply;
            try {
                if (line.startsWith("load ")) {
                    peer = null;
                    System.gc();
                    peer = new ExchangeCorePeer(TapeFile.read(Path.of(line.substring(5))));
                    reply = "{\"messages\":" + peer.tape.count + "}";
                } else if (line.equals("quit")) {
                    System.out.println("{\"bye\":true}");
                    return;
                } else if (peer == null) {
                    reply = "{\"error\":\"no tape loaded\"}";
                } else if (line.equals("digest")) {
                    reply = peer.digest();
                } else if (line.equals("round")) {
                    reply = peer.round();
                } else if (line.equals("latency")) {
                    reply = peer.latency();
                } else {
                    reply = "{\"error\":\"unknown command\"}";
                }
            } catch (Exception e) {
                System.out.println("{\"error\":\"" + String.valueOf(e).replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
                continue;
            }
            System.out.println(reply);
        }
    }

    /** The consensus digest, computed exactly as bench/tapes/digest.ts does. */
    static final class Digest {
        long trades;
        long tradedQty;
        long tradedNotional;
        int hash = 0x811c9dc5;

        void collect(OrderCommand cmd) {
            for (MatcherTradeEvent e = cmd.matcherEvent; e != null; e = e.nextEvent) {
                if (e.eventType != MatcherEventType.TRADE) continue;
                trades++;
                tradedQty += e.size;
                tradedNotional += e.price * e.size;
                hash = (hash ^ (int) e.matchedOrderId) * 0x01000193;
                hash = (hash ^ (int) (e.matchedOrderId >>> 32)) * 0x01000193;
                hash = (hash ^ (int) e.price) * 0x01000193;
                hash = (hash ^ (int) e.size) * 0x01000193;
            }
        }

        String json(L2MarketData l2) {
            return "{\"trades\":" + trades + ",\"tradedQty\":" + tradedQty + ",\"tradedNotional\":" + tradedNotional
                    + ",\"tradeHash\":\"" + String.format("%08x", hash) + "\""
                    + ",\"bids\":" + side(l2.bidSize, l2.bidPrices, l2.bidVolumes, l2.bidOrders)
                    + ",\"asks\":" + side(l2.askSize, l2.askPrices, l2.askVolumes, l2.askOrders) + "}";
        }

        private static String side(int n, long[] prices, long[] volumes, long[] orders) {
            long ordersTotal = 0;
            long volume = 0;
            long notional = 0;
            final StringBuilder top = new StringBuilder("[");
            for (int i = 0; i < n; i++) {
                ordersTotal += orders[i];
                volume += volumes[i];
                notional += prices[i] * volumes[i];
                if (i < TOP_LEVELS) top.append(i == 0 ? "" : ",").append('[').append(prices[i]).append(',').append(volumes[i]).append(',').append(orders[i]).append(']');
            }
            return "{\"levels\":" + n + ",\"orders\":" + ordersTotal + ",\"volume\":" + volume + ",\"notional\":" + notional + ",\"top\":" + top.append(']') + "}";
        }
    }
}
