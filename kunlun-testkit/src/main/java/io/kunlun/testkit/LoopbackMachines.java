package io.kunlun.testkit;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Hands out loopback machines: addresses from a fixed set (tests that run at the same time on one
 * host each use their own addresses) with fresh root paths. An address is handed out once at a
 * time; when a machine is released its paths are deleted and its address can be taken again. A
 * static extension releases its machines when the class ends (as a static {@link TestManager},
 * which remembers them, stops), an instance one when each test ends; {@link #close()} releases
 * all.
 *
 * <p>Database instances run as the account {@value #INSTANCE_ACCOUNT}; see {@link RootPaths}.
 *
 * <pre>{@code @RegisterExtension static LoopbackMachines machines = LoopbackMachines.range("127.0.0.30", "127.0.0.33");}</pre>
 */
public final class LoopbackMachines extends ScopedResources<LoopbackMachine> {
    public static final String INSTANCE_ACCOUNT = "kunlun";
    private static final Pattern LOOPBACK_V4 = Pattern.compile("127\\.([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})");

    private final List<String> addresses;
    private final Deque<String> free;

    private LoopbackMachines(List<String> addresses) {
        super(false);
        this.addresses = addresses;
        this.free = new ArrayDeque<>(addresses);
    }

    /** The given addresses, each in 127.0.0.0/8. */
    public static LoopbackMachines of(String... addresses) {
        List<String> list = List.of(addresses);
        list.forEach(LoopbackMachines::octets);
        if (list.isEmpty() || list.stream().distinct().count() != list.size()) {
            throw new IllegalArgumentException("give one or more distinct loopback addresses, got " + list);
        }
        return new LoopbackMachines(list);
    }

    /** Every address from {@code first} to {@code last}, which differ only in their last number. */
    public static LoopbackMachines range(String first, String last) {
        int[] from = octets(first);
        int[] to = octets(last);
        if (from[0] != to[0] || from[1] != to[1] || from[2] > to[2]) {
            throw new IllegalArgumentException("a range differs only in the last number, upwards: " + first
                    + " to " + last);
        }
        String prefix = "127." + from[0] + "." + from[1] + ".";
        return of(java.util.stream.IntStream.rangeClosed(from[2], to[2]).mapToObj(n -> prefix + n)
                .toArray(String[]::new));
    }

    private static int[] octets(String address) {
        var matcher = LOOPBACK_V4.matcher(address);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a loopback IPv4 address: " + address);
        }
        int[] octets = new int[3];
        for (int i = 0; i < 3; i++) {
            octets[i] = Integer.parseInt(matcher.group(i + 1));
            if (octets[i] > 255) {
                throw new IllegalArgumentException("not a loopback IPv4 address: " + address);
            }
        }
        return octets;
    }

    /** The next free address, with fresh, empty root paths. */
    public LoopbackMachine take() {
        String address;
        synchronized (this) {
            address = free.pollFirst();
        }
        if (address == null) {
            throw new IllegalStateException("every loopback address is taken: " + String.join(", ", addresses));
        }
        try {
            return register(RootPaths.create(address));
        } catch (RuntimeException e) {
            giveBack(address);
            throw e;
        }
    }

    /** Releases a machine now: deletes its paths and frees its address. */
    public void release(LoopbackMachine machine) {
        unregister(machine);
        remove(machine);
    }

    @Override
    protected void dispose(LoopbackMachine machine) {
        remove(machine);
    }

    private void remove(LoopbackMachine machine) {
        try {
            RootPaths.remove(machine);
        } finally {
            giveBack(machine.hostaddr());
        }
    }

    private synchronized void giveBack(String address) {
        free.addLast(address);
    }

    @Override
    public String toString() {
        return "LoopbackMachines " + String.join(", ", addresses);
    }
}
