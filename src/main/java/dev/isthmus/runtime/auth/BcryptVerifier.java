package dev.isthmus.runtime.auth;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.security.crypto.bcrypt.BCrypt;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

import dev.isthmus.platform.DaemonThreads;

/**
 * Checks passwords against bcrypt hashes (Spring Security's {@link BCryptPasswordEncoder}) without
 * ever blocking an event loop: a check costs milliseconds of CPU by design (cost 10: about 50 ms),
 * so it runs on a small pool of its own with a bounded queue; when the queue is full the request is
 * answered 503 at once rather than queued without end (a flood of wrong passwords then costs the
 * gateway a pool, not its event loops). Results are cached per (user, password) digest for
 * {@code ttl}, bounded, and bound to the hash they were checked against, so a changed password is
 * checked again; a returning client costs one hash lookup. Unknown users are checked against a
 * dummy hash of the file's cost, so a wrong user name takes as long as a wrong password.
 */
public final class BcryptVerifier implements AutoCloseable {

    /** The pool is full: the caller answers 503. */
    public static final class BusyException extends RuntimeException {
        BusyException() {
            super("too many password checks pending", null, false, false);
        }
    }

    private record Verdict(String hash, boolean matches) {
    }

    private final BCryptPasswordEncoder encoder = new BCryptPasswordEncoder();
    private final ThreadPoolExecutor pool;
    private final Scheduler scheduler;
    private final Cache<CredentialDigest.Key, Verdict> verdicts;
    private final Map<Integer, String> dummies = new ConcurrentHashMap<>();

    /**
     * @param threads checks at once (each takes a CPU while it runs)
     * @param maxPending checks waiting for a thread; beyond, {@link BusyException}
     */
    public BcryptVerifier(int threads, int maxPending, Duration ttl, long maxEntries) {
        this.pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(maxPending),
                DaemonThreads.named("isthmus-bcrypt"), new ThreadPoolExecutor.AbortPolicy());
        this.scheduler = Schedulers.fromExecutorService(pool, "isthmus-bcrypt");
        this.verdicts = Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(ttl).executor(Runnable::run).build();
    }

    /**
     * Whether {@code password} is the user's.
     *
     * @param hash the user's hash, or null for an unknown user (never matches)
     * @param cost the work factor unknown users are checked at
     */
    public Mono<Boolean> matches(String realm, String user, String password, String hash, int cost) {
        CredentialDigest.Key key = CredentialDigest.of(realm, user, password);
        Verdict cached = verdicts.getIfPresent(key);
        if (cached != null && Objects.equals(cached.hash(), hash)) {
            return Mono.just(cached.matches());
        }
        return Mono.fromCallable(() -> {
            boolean ok;
            if (hash == null) {
                check(password, dummy(cost)); // the time a known user's check takes; the answer is no either way
                ok = false;
            }
            else {
                ok = check(password, hash);
            }
            verdicts.put(key, new Verdict(hash, ok));
            return ok;
        }).subscribeOn(scheduler).onErrorMap(RejectedExecutionException.class, e -> new BusyException());
    }

    /** A password bcrypt cannot take (more than 72 bytes) matches no hash. */
    private boolean check(String password, String hash) {
        try {
            return encoder.matches(password, hash);
        }
        catch (IllegalArgumentException e) {
            return false;
        }
    }

    private String dummy(int cost) {
        return dummies.computeIfAbsent(Math.max(4, Math.min(cost, 14)), c -> BCrypt.hashpw("isthmus-dummy", BCrypt.gensalt(c)));
    }

    /** Checks queued or running (tests and diagnostics). */
    public int pending() {
        return pool.getQueue().size() + pool.getActiveCount();
    }

    @Override
    public void close() {
        scheduler.dispose();
        pool.shutdownNow();
    }
}
