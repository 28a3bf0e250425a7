package dev.opsbus.metrics;

/** What {@link NodeSampler} read from the JVM and the operating system at one instant. */
record HostReadings(
    double cpuPercent,
    double systemCpuPercent,
    int processors,
    long heapUsedMb,
    long heapMaxMb,
    long rssMb,
    long systemMemoryTotalMb,
    long systemMemoryAvailableMb) {
}
