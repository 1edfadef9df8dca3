package io.jvmm.agent;

import java.util.ArrayList;
import java.util.List;

/**
 * One process in the guest, as the agent's {@code PS} answer lists it (guest-agent/PROTOCOL.md).
 *
 * @param pid     its pid in the guest
 * @param ppid    its parent's
 * @param uid     its effective uid
 * @param user    that uid's name in the root's /etc/passwd, else the number
 * @param state   /proc's state letter (R, S, D, Z, T, ...)
 * @param rss     resident memory, bytes
 * @param cpuMs   user plus system CPU time, milliseconds
 * @param command its command line, arguments joined by spaces ({@code [comm]} when it has none)
 */
public record GuestProcess(int pid, int ppid, long uid, String user, char state, long rss, long cpuMs, String command) {

    /** The processes of an OK answer to PS: {@code u32 count}, then each process's fields. */
    static List<GuestProcess> parseAll(Frame f) throws AgentProtocolException {
        Payload.Reader r = new Payload.Reader(f);
        long n = r.u32L();
        if (n > AgentProtocol.MAX_STRINGS) throw new AgentProtocolException("PS: " + n + " processes is too many");
        List<GuestProcess> all = new ArrayList<>((int) n);
        for (long i = 0; i < n; i++) {
            int pid = r.u32();
            int ppid = r.u32();
            long uid = r.u32L();
            String user = r.str();
            long state = r.u32L();
            if (state < 0x21 || state > 0x7e) throw new AgentProtocolException("PS: bad process state " + state);
            all.add(new GuestProcess(pid, ppid, uid, user, (char) state, r.u64(), r.u64(), r.str()));
        }
        r.end();
        return all;
    }
}
