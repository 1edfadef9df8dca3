/**
 * The JVM's own start-up floor: a Java hello world, started with the JVM flags ./jvmm uses and its
 * own AOT cache (benchmarks/run.sh builds and trains it), timed beside `jvmm boot` of the hello probe.
 */
public final class Hello {
    public static void main(String[] args) {
        System.out.println("hello from the JVM floor");
    }
}
