/**
 * The few legacy devices a guest needs: the 8250 UART (the console), the i8042 (reset) and the
 * debug-exit port the probe guests use.
 */
package io.jvmm.core.legacy;
