package io.kunlun.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Resources released at the end of whatever acquired them. Registered on an instance field, the
 * extension releases everything when each test ends. Registered on a static field, it releases
 * at the end of the class, or, with {@code eachTestReleasesItsOwn}, what a test acquired (in its
 * {@code @BeforeEach} methods too) when that test ends. Outside JUnit, {@link #close()} releases
 * all. Release runs newest first and goes on past failures, so one stuck resource does not leak
 * the rest.
 */
abstract class ScopedResources<T> implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback,
        AfterAllCallback, AutoCloseable {
    private final boolean eachTestReleasesItsOwn;
    private final List<T> classScoped = new ArrayList<>();
    private boolean registeredForClass;
    private List<T> testScoped;

    protected ScopedResources(boolean eachTestReleasesItsOwn) {
        this.eachTestReleasesItsOwn = eachTestReleasesItsOwn;
    }

    /** Remembers a resource in the current scope. */
    protected final synchronized T register(T resource) {
        (testScoped != null ? testScoped : classScoped).add(resource);
        return resource;
    }

    /** Forgets a resource the caller released itself. */
    protected final synchronized void unregister(T resource) {
        classScoped.remove(resource);
        if (testScoped != null) {
            testScoped.remove(resource);
        }
    }

    /** Releases one resource; called at most once per registration. */
    protected abstract void dispose(T resource) throws Exception;

    @Override
    public final synchronized void beforeAll(ExtensionContext context) {
        registeredForClass = true;
    }

    @Override
    public final synchronized void beforeEach(ExtensionContext context) {
        if (!registeredForClass || eachTestReleasesItsOwn) {
            testScoped = new ArrayList<>();
        }
    }

    @Override
    public final void afterEach(ExtensionContext context) {
        List<T> ended;
        synchronized (this) {
            ended = testScoped == null ? List.of() : testScoped;
            testScoped = null;
        }
        releaseAll(ended);
    }

    @Override
    public final void afterAll(ExtensionContext context) {
        close();
    }

    /** Releases everything still registered. */
    @Override
    public final void close() {
        List<T> all;
        synchronized (this) {
            all = new ArrayList<>(classScoped);
            if (testScoped != null) {
                all.addAll(testScoped);
                testScoped.clear();
            }
            classScoped.clear();
        }
        releaseAll(all);
    }

    private void releaseAll(List<T> resources) {
        RuntimeException failure = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                dispose(resources.get(i));
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("cannot release " + resources.get(i) + ": " + e.getMessage(), e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
