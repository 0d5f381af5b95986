/**
 * etcd's Lock and Election services ({@code v3lockpb}, {@code v3electionpb}): recipes over the member's
 * own KV, Lease and Watch, exactly like etcd's {@code clientv3/concurrency} used in-process.
 */
package io.etch.server.concurrency;
