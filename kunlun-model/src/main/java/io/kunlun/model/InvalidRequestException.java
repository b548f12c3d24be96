package io.kunlun.model;

/** A request that cannot be accepted as sent; the message names the field and what was wrong. */
public final class InvalidRequestException extends RuntimeException {
    public InvalidRequestException(String message) {
        super(message, null, false, false);
    }
}
