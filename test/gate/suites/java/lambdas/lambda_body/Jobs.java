import java.util.List;

class Audit {
    void record(String what) {
    }
}

class Jobs {
    private final Audit audit = new Audit();

    void runAll(List<String> names) {
        names.forEach(n -> audit.record(n));
        Runnable r = () -> cleanup();
        r.run();
    }

    void cleanup() {
    }
}
