package io.kunlun.core.hosts;

/**
 * A shell function {@code sha256} for scripts run on machines: SHA-256 of the named files, or of
 * stdin, one line each, the digest first. OpenSSL's when the machine has it (it uses the CPU's
 * SHA instructions: four times coreutils' speed here, which counts when a gigabyte backup is
 * hashed on arrival and again in the store), coreutils' sha256sum otherwise.
 */
public final class Sha256Shell {
    public static final String FUNCTION = "sha256() { if command -v openssl >/dev/null 2>&1;"
            + " then openssl dgst -sha256 -r \"$@\"; else sha256sum \"$@\"; fi; }; ";

    private Sha256Shell() {
    }
}
