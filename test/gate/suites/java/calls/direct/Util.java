class Util {
    static int twice(int x) {
        return add(x, x);
    }

    static int add(int a, int b) {
        return a + b;
    }
}
