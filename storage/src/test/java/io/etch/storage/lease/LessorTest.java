package io.etch.storage.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etch.storage.EtcdError;
import io.etch.storage.EtcdException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Deadlines, promote/demote, renew and expiry of the in-memory lessor, on a fake clock. */
class LessorTest {

    /** A clock that moves only when told. */
    static final class FakeClock extends Clock {
        private Instant now = Instant.parse("2024-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    final FakeClock clock = new FakeClock();
    final Lessor lessor = new Lessor(clock);
    static final Duration EXTEND = Duration.ofSeconds(1);

    @Test
    void secondaryNeverExpiresAndSendsRenewalsToThePrimary() {
        lessor.granted(new Lease(1, 2));
        clock.advance(Duration.ofHours(1));
        assertThat(lessor.expired(100)).isEmpty();
        assertThat(lessor.renew(1)).isCompletedExceptionally();
        assertThatThrownBy(() -> lessor.renew(1).join()).hasCauseInstanceOf(NotPrimaryException.class);
        assertThatThrownBy(() -> lessor.timeToLive(1)).isInstanceOf(NotPrimaryException.class);
    }

    @Test
    void promoteGivesEveryLeaseItsFullTtlPlusTheExtension() {
        lessor.promote(List.of(new Lease(1, 5), new Lease(2, 10)), EXTEND);
        assertThat(lessor.timeToLive(1)).contains(new Lessor.TimeToLive(6, 5));
        clock.advance(Duration.ofMillis(5999));
        assertThat(lessor.expired(100)).isEmpty();
        assertThat(lessor.timeToLive(1)).contains(new Lessor.TimeToLive(0, 5)); // floor of 1 ms
        clock.advance(Duration.ofMillis(1));
        assertThat(lessor.expired(100)).containsExactly(1L);
        lessor.revoked(1);
        clock.advance(Duration.ofSeconds(5));
        assertThat(lessor.expired(100)).containsExactly(2L);
    }

    @Test
    void grantOnThePrimaryStartsAtNowPlusTtlAndRenewRestartsIt() throws Exception {
        lessor.promote(List.of(), EXTEND);
        lessor.granted(new Lease(3, 10));
        clock.advance(Duration.ofSeconds(7));
        assertThat(lessor.timeToLive(3)).contains(new Lessor.TimeToLive(3, 10));
        assertThat(lessor.renew(3).get()).isEqualTo(10);
        clock.advance(Duration.ofSeconds(9));
        assertThat(lessor.expired(100)).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(lessor.expired(100)).containsExactly(3L);
        assertThat(lessor.timeToLive(99)).isEmpty();
        assertThatThrownBy(() -> lessor.renew(99).join()).hasCause(new EtcdException(EtcdError.LEASE_NOT_FOUND))
                .cause().isInstanceOf(EtcdException.class);
    }

    @Test
    void anExpiredLeaseIsOfferedAgainAfterTheRetryIntervalUntilItsRevokeCommits() {
        lessor.promote(List.of(new Lease(1, 2)), Duration.ZERO);
        clock.advance(Duration.ofSeconds(2));
        assertThat(lessor.expired(100)).containsExactly(1L);
        assertThat(lessor.expired(100)).isEmpty();
        clock.advance(Lessor.RETRY_INTERVAL);
        assertThat(lessor.expired(100)).containsExactly(1L);
        lessor.revoked(1);
        clock.advance(Duration.ofHours(1));
        assertThat(lessor.expired(100)).isEmpty();
        assertThat(lessor.size()).isZero();
    }

    @Test
    void renewingAnExpiredLeaseWaitsForItsRevokeOrForDemotion() {
        lessor.promote(List.of(new Lease(1, 2), new Lease(2, 2)), Duration.ZERO);
        clock.advance(Duration.ofSeconds(3));
        CompletableFuture<Long> r1 = lessor.renew(1);
        CompletableFuture<Long> r2 = lessor.renew(2);
        assertThat(r1).isNotDone();
        lessor.revoked(1);
        assertThatThrownBy(r1::get).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(EtcdException.class).hasMessage(EtcdError.LEASE_NOT_FOUND.message());
        assertThat(r2).isNotDone();
        lessor.demote();
        assertThatThrownBy(r2::get).cause().isInstanceOf(NotPrimaryException.class);
        assertThat(lessor.isPrimary()).isFalse();
    }

    @Test
    void demoteDropsDeadlinesAndPromoteAgainRestartsThem() {
        lessor.promote(List.of(new Lease(1, 5)), EXTEND);
        clock.advance(Duration.ofSeconds(4));
        lessor.demote();
        clock.advance(Duration.ofSeconds(100));
        assertThat(lessor.expired(100)).isEmpty();
        lessor.promote(List.of(new Lease(1, 5)), EXTEND);
        assertThat(lessor.timeToLive(1)).contains(new Lessor.TimeToLive(6, 5));
    }

    @Test
    void expiredRespectsTheLimitEarliestFirst() {
        List<Lease> all = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            all.add(new Lease(i, i + 1));
        }
        lessor.promote(all, Duration.ZERO);
        clock.advance(Duration.ofSeconds(20));
        assertThat(lessor.expired(3)).containsExactly(1L, 2L, 3L);
        assertThat(lessor.expired(100)).containsExactly(4L, 5L, 6L, 7L, 8L, 9L, 10L);
    }

    @Test
    void promoteSpreadsPiledUpDeadlinesBeyondThreeQuartersOfTheRevokeRate() {
        List<Lease> all = new ArrayList<>();
        for (int i = 1; i <= 2000; i++) {
            all.add(new Lease(i, 10));
        }
        lessor.promote(all, EXTEND);
        // all due at +11 s: 750 stay, lease n > 750 moves to +11 s + n/750 s (etcd's rateDelay)
        assertThat(expireAndRevoke(Duration.ofSeconds(11))).isEqualTo(750);
        assertThat(expireAndRevoke(Duration.ofSeconds(1))).isEqualTo(0);
        assertThat(expireAndRevoke(Duration.ofSeconds(1))).isEqualTo(750);
        assertThat(expireAndRevoke(Duration.ofSeconds(1))).isEqualTo(500);
    }

    private int expireAndRevoke(Duration after) {
        clock.advance(after);
        List<Long> ids = lessor.expired(10_000);
        ids.forEach(lessor::revoked);
        return ids.size();
    }

    @Test
    void minimumTtlFollowsEtcd() {
        assertThat(LeaseLimits.minTtlSeconds(1000, 100)).isEqualTo(2);
        assertThat(LeaseLimits.minTtlSeconds(5000, 500)).isEqualTo(8);
        assertThat(LeaseLimits.minTtlSeconds(2000, 100)).isEqualTo(3);
    }

    @Test
    void generatedIdsArePositiveUniqueAndCarryTheMemberBits() {
        LeaseIdGenerator g = new LeaseIdGenerator(0x8e9e05c52164694dL, Instant.ofEpochMilli(0xa1fcf89017L));
        long first = g.next();
        assertThat(Long.toHexString(first)).isEqualTo("694da1fcf8901701");
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            long id = g.next();
            assertThat(id).isPositive();
            assertThat(seen.add(id)).isTrue();
        }
        LeaseIdGenerator high = new LeaseIdGenerator(0xffffL, Instant.ofEpochMilli(1));
        assertThat(high.next()).isPositive();
    }
}
