import java.util.List;

class Formatter {
    static String format(Object o) {
        return "";
    }

    String trim(String s) {
        return s;
    }
}

class Printer {
    private final Formatter formatter = new Formatter();

    void print(String s) {
    }

    void all(List<String> items) {
        items.stream().map(Formatter::format).map(formatter::trim).forEach(this::print);
    }
}
