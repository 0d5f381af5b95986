package io.etch.raft.transport;

import com.alipay.sofa.jraft.rpc.RpcProcessor;
import com.alipay.sofa.jraft.rpc.RpcRequests;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jraft processors of a {@link GrpcRpcServer}, by request type, and how a request frame reaches one.
 * {@link #dispatch} runs on the transport thread in the stream's arrival order. It parses the request and hands it to
 * an executor: the processor's {@code executorSelector()} (so requests it sends to one executor keep their
 * per-connection order), else its {@code executor()}, else the server's default executor.
 *
 * <p>AppendEntries requests (appends and heartbeats) are the exception: their processor runs on the transport thread
 * itself. One connection's frames arrive on one transport thread in order, which is the order jraft's pipelined
 * appends need (its per-peer-pair executor exists to give the same order on Bolt). The processor does not block:
 * under the node's lock it checks the request, hands the entries to the log manager's queue and answers
 * heartbeats at once; the append's answer is sent by the log's thread after the fsync. This saves a thread
 * hand-off on every entry a follower receives (70 µs at the median on the 2-core bench box, see
 * {@code docs/benchmarks.md}, session 9). A processor whose executor runs tasks where they are submitted
 * (Etch's read index processor) also runs on the transport thread, and must not block either.
 *
 * <p>Errors are answered with an error frame ({@link PeerCall#fail}): unknown request type, unparsable request,
 * executor full, processor threw. Thread-safe; processors can be added while serving.
 */
final class ProcessorTable {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessorTable.class);

    private record Entry(RpcProcessor<Object> processor, Message request, Message response) {}

    private final Map<String, Entry> byType = new ConcurrentHashMap<>(); // proto full name of the request
    private final Executor defaultExecutor;

    ProcessorTable(Executor defaultExecutor) {
        this.defaultExecutor = defaultExecutor;
    }

    /**
     * Adds or replaces the processor for its {@code interest()} (a request class name).
     *
     * @throws IllegalArgumentException if the request type or its response type is unknown
     */
    @SuppressWarnings("unchecked")
    void register(RpcProcessor<?> processor) {
        String interest = processor.interest();
        Message request = MessageTypes.prototype(interest);
        Message response = MessageTypes.responsePrototype(interest);
        byType.put(MessageTypes.typeName(request), new Entry((RpcProcessor<Object>) processor, request, response));
    }

    /** Hands one request frame of {@code conn} to its processor; call on the transport thread, in arrival order. */
    void dispatch(PeerConnection conn, ExchangeFrame frame) {
        Entry entry = byType.get(frame.type());
        if (entry == null) {
            new PeerCall(conn, frame.callId(), RpcRequests.ErrorResponse.getDefaultInstance())
                .fail("no processor for request type '" + frame.type() + "'");
            return;
        }
        PeerCall ctx = new PeerCall(conn, frame.callId(), entry.response);
        Message request;
        try {
            request = MessageTypes.parseRequest(entry.request, frame.payload());
        } catch (InvalidProtocolBufferException e) {
            ctx.fail("invalid " + frame.type() + ": " + e.getMessage());
            return;
        }
        RpcProcessor<Object> processor = entry.processor;
        if (request instanceof RpcRequests.AppendEntriesRequest) {
            handle(processor, ctx, request); // on the transport thread: see the class comment
            return;
        }
        try {
            Executor executor = null;
            RpcProcessor.ExecutorSelector selector = processor.executorSelector();
            if (selector != null) {
                executor = selector.select(processor.interest(), null); // Bolt passes a header only for appends
            }
            if (executor == null) {
                executor = processor.executor();
            }
            (executor != null ? executor : defaultExecutor).execute(() -> handle(processor, ctx, request));
        } catch (RejectedExecutionException e) {
            LOG.warn("{} rejected by its executor", processor.interest());
            ctx.fail("peer request executor is full");
        } catch (RuntimeException e) {
            LOG.error("cannot dispatch {}", processor.interest(), e);
            ctx.fail("cannot dispatch: " + e);
        }
    }

    private static void handle(RpcProcessor<Object> processor, PeerCall ctx, Object request) {
        try {
            processor.handleRequest(ctx, request);
        } catch (Throwable t) {
            LOG.error("{} failed", processor.interest(), t);
            ctx.fail("processor failed: " + t);
        }
    }
}
