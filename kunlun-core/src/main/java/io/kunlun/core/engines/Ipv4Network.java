package io.kunlun.core.engines;

import io.kunlun.core.ManagerException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An IPv4 CIDR block, written the way each server's access rules want it. */
record Ipv4Network(long address, int prefix) {
    private static final Pattern CIDR = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})");

    static Ipv4Network parse(String cidr) {
        Matcher matcher = CIDR.matcher(cidr == null ? "" : cidr);
        if (!matcher.matches() || Integer.parseInt(matcher.group(5)) > 32) {
            throw ManagerException.refused("a client network must be an IPv4 CIDR block like 10.0.0.0/8, got \""
                    + cidr + "\"");
        }
        long address = 0;
        for (int i = 1; i <= 4; i++) {
            int octet = Integer.parseInt(matcher.group(i));
            if (octet > 255) {
                throw ManagerException.refused("a client network must be an IPv4 CIDR block like 10.0.0.0/8, got \""
                        + cidr + "\"");
            }
            address = (address << 8) | octet;
        }
        int prefix = Integer.parseInt(matcher.group(5));
        return new Ipv4Network(address & mask(prefix), prefix);
    }

    /** {@code 10.0.0.0/255.0.0.0}: the host part of a MySQL/MariaDB account. */
    String mysqlHost() {
        return dotted(address) + "/" + dotted(mask(prefix));
    }

    /** {@code 10.0.0.0/8}: the address column of pg_hba.conf. */
    String cidr() {
        return dotted(address) + "/" + prefix;
    }

    private static long mask(int prefix) {
        return prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
    }

    private static String dotted(long value) {
        return ((value >> 24) & 255) + "." + ((value >> 16) & 255) + "." + ((value >> 8) & 255) + "." + (value & 255);
    }
}
