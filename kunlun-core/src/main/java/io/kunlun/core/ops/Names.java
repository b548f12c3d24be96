package io.kunlun.core.ops;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Names the manager gives: clusters, shards, comps, and generated passwords. */
public final class Names {
    private static final AtomicInteger SEQUENCE = new AtomicInteger(new SecureRandom().nextInt(1_000_000));
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    private Names() {
    }

    /** {@code cluster_<unix seconds>_<6-digit sequence>}, as the reference system names clusters. */
    public static String newClusterName() {
        return String.format("cluster_%d_%06d", System.currentTimeMillis() / 1000,
                SEQUENCE.getAndIncrement() % 1_000_000);
    }

    /** The next {@code count} names {@code <prefix><n>}, continuing from the highest existing number. */
    public static List<String> next(String prefix, Collection<String> existing, int count) {
        int highest = existing.stream()
                .filter(name -> name.startsWith(prefix) && name.substring(prefix.length()).matches("[0-9]+"))
                .mapToInt(name -> Integer.parseInt(name.substring(prefix.length())))
                .max().orElse(0);
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            names.add(prefix + (highest + i));
        }
        return names;
    }

    /** A password of letters and digits only, so that it needs no quoting in any config file. */
    public static String newPassword() {
        StringBuilder password = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            password.append(PASSWORD_ALPHABET.charAt(RANDOM.nextInt(PASSWORD_ALPHABET.length())));
        }
        return password.toString();
    }
}
