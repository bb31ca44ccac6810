import java.util.List;
import java.util.Map;
import java.util.Optional;

class Item {
    int price() {
        return 1;
    }
}

class Store {
    private Map<String, Item> byName;

    int first(List<Item> items) {
        return items.get(0).price();
    }

    int named(String n) {
        return byName.get(n).price();
    }

    int sum(List<Item> items) {
        int s = 0;
        for (Item i : items) {
            s += i.price();
        }
        return s;
    }

    int maybe(Optional<Item> o) {
        return o.get().price();
    }
}
