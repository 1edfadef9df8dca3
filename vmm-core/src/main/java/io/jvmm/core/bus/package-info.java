/**
 * Port I/O and MMIO buses: address ranges mapped to the devices that serve a vCPU's exits.
 */
package io.jvmm.core.bus;
