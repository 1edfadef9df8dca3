package io.jvmm.core.boot;

import io.jvmm.core.arch.x86.BootState;
import io.jvmm.core.arch.x86.Layout;
import io.jvmm.core.arch.x86.MpTable;
import io.jvmm.loader.BootMode;
import io.jvmm.loader.BootParams;
import io.jvmm.loader.Cmdline;
import io.jvmm.loader.E820Entry;
import io.jvmm.loader.E820Map;
import io.jvmm.loader.Initrd;
import io.jvmm.loader.KernelImage;
import io.jvmm.loader.LoadedKernel;
import io.jvmm.loader.PvhStartInfo;
import io.jvmm.memory.GuestMemory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Puts a kernel, its initrd and command line into guest RAM and returns the boot vCPU's state.
 * Chooses the entry the image offers: PVH when the ELF has the Xen note, else Linux's 64-bit entry.
 */
public final class KernelBoot {
    private KernelBoot() {}

    /**
     * @param cmdline the complete kernel command line
     * @param vcpus   for the MP table
     */
    public static BootState load(GuestMemory mem, Path kernel, Path initrd, String cmdline, int vcpus) {
        LoadedKernel k = KernelImage.load(mem, kernel);
        Cmdline cmd = new Cmdline(Layout.CMDLINE_MAX).append(cmdline);
        cmd.writeTo(mem, Layout.CMDLINE);

        long initrdAddr = 0, initrdSize = 0;
        if (initrd != null) {
            try {
                initrdSize = Files.size(initrd);
            } catch (IOException e) {
                throw new UncheckedIOException("initrd: " + initrd + ": " + e.getMessage(), e);
            }
            initrdAddr = Initrd.place(mem, initrdSize, Initrd.addrMax(k), k.highestAddress());
            Initrd.load(mem, initrd, initrdAddr);
        }

        List<E820Entry> e820 = E820Map.build(mem.regions());
        MpTable.write(mem, vcpus);
        if (k.mode() == BootMode.PVH) {
            List<PvhStartInfo.Module> modules =
                    initrd == null ? List.of() : List.of(new PvhStartInfo.Module(initrdAddr, initrdSize, 0));
            PvhStartInfo.write(mem, Layout.PVH_START_INFO, Layout.CMDLINE, 0, modules, Layout.PVH_MEMMAP, e820);
            return BootState.pvh(mem, k.entry());
        }
        BootParams.write(mem, Layout.ZERO_PAGE, k, Layout.CMDLINE, cmd.sizeWithNul(), initrdAddr, initrdSize, e820);
        return BootState.linux64(mem, k.entry());
    }
}
