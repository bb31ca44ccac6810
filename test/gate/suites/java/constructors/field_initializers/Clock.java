class Ticker {
    static long now() {
        return 0;
    }
}

class Clock {
    private final long started = Ticker.now();

    Clock() {
    }

    long age() {
        return Ticker.now() - started;
    }
}

class Main {
    long run() {
        return new Clock().age();
    }
}
