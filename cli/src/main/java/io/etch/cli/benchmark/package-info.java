/**
 * {@code etchctl benchmark}: etcd 3.4's benchmark workloads ({@code tools/benchmark}) on grpc-java. The
 * command ({@link io.etch.cli.benchmark.BenchmarkCommand}) holds the shared flags; each workload drives
 * {@code --clients} closed-loop clients over {@code --conns} connections, records latencies in an
 * HdrHistogram ({@code Recorder}) and prints etcd's report or JSON ({@code Summary}). Parameters and results
 * are non-null unless documented otherwise.
 */
package io.etch.cli.benchmark;
