package io.kunlun.core.engines;

/**
 * One member's view of its synchronous group: how many members the group has, this member's
 * state ({@code Synced} when it is a full member; Joining, Joined, Donor/Desynced otherwise), and
 * whether it is in the primary component, the part of the group that may accept writes.
 */
public record GroupStatus(int size, String state, boolean primaryComponent) {
    public boolean synced() {
        return primaryComponent && "Synced".equals(state);
    }
}
