import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

class SettleJob implements Runnable {
    public void run() {
        settle();
    }

    void settle() {
    }
}

class AuditJob implements Runnable {
    public void run() {
    }
}

class Runs {
    private final Consumer<Integer> sink = x -> record(x);
    private final Consumer<String> names = s -> rename(s);
    private final List<Runnable> later = new ArrayList<>();

    static void record(int x) {
    }

    static void rename(String s) {
    }

    static int fee(int a) {
        return a;
    }

    void submitAll(ExecutorService ex, List<Integer> xs) {
        ex.submit(new SettleJob());
        xs.forEach(sink);
        xs.stream().map(Runs::fee);
        later.add(new AuditJob());
    }
}
