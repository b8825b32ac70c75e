package io.tether.lab;

/** {@code java -cp ... io.tether.lab.LabMain [--quick] [--report DIR] [--capture] ...}: see {@link LabOptions#USAGE}. */
public final class LabMain {
    private LabMain() {
    }

    public static void main(String[] args) {
        for (String a : args) {
            if ("--help".equals(a) || "-h".equals(a)) {
                System.out.println(LabOptions.USAGE);
                return;
            }
        }
        LabOptions options;
        try {
            options = LabOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(LabOptions.USAGE);
            System.exit(Lab.CANNOT_RUN);
            return;
        }
        System.exit(new Lab(options, System.out).run());
    }
}
