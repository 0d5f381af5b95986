/**
 * The peer transport: jraft's RPC SPI ({@link io.etch.raft.transport.GrpcRaftRpcFactory}) on grpc-java and Netty,
 * the peer-port server that also hosts Etch's own peer services ({@link io.etch.raft.transport.GrpcRpcServer}),
 * and shared channels for Etch's peer calls ({@link io.etch.raft.transport.PeerChannels}). TLS settings come in
 * as {@link io.etch.raft.transport.PeerTls}; {@code null} means plaintext. Parameters and results are non-null
 * unless documented otherwise.
 */
package io.etch.raft.transport;
