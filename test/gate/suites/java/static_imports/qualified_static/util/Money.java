package util;

public class Money {
    public static final long ZERO = 0;

    public static long round(long a) {
        return a;
    }
}
