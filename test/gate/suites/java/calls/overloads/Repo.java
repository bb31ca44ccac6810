public class Repo {
    public Repo() {
        this(10);
    }

    public Repo(int size) {
    }

    public int bundles(String account) {
        return load(account);
    }

    public int bundles(String account, int offset, int limit) {
        return page(account, offset, limit);
    }

    public void log(String message) {
    }

    public void log(String format, Object... args) {
        render(format);
    }

    int load(String account) {
        return 1;
    }

    int page(String account, int offset, int limit) {
        return 2;
    }

    void render(String format) {
    }
}
