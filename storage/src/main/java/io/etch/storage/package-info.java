/**
 * One member's disk: etcd's MVCC key-value store on RocksDB, and the pure request checks etcd runs
 * before proposing a request.
 *
 * <p>Public surface: {@link io.etch.storage.MvccStore}, {@link io.etch.storage.WriteTxn},
 * {@link io.etch.storage.HashKvResult}, {@link io.etch.storage.HistoryEvents}, {@link io.etch.storage.KeyRange},
 * {@link io.etch.storage.KvRequestValidator}, {@link io.etch.storage.EtcdError} and
 * {@link io.etch.storage.EtcdException}. Everything else in this package is package-private
 * implementation.
 *
 * <p>Non-null by default: parameters and return values are never null unless the javadoc says so.
 */
package io.etch.storage;
