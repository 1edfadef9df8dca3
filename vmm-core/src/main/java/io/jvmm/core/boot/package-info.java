/**
 * Loading a kernel (and initrd) into guest RAM and preparing its boot protocol.
 */
package io.jvmm.core.boot;
