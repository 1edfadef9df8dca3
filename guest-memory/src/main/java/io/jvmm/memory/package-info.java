/**
 * Guest RAM as bounds-checked regions of MemorySegments: every guest address and length is checked
 * against the regions before it is read or written. No native code.
 */
package io.jvmm.memory;
