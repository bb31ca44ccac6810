import java.util.ArrayList;
import java.util.List;
import java.util.Map;

class Registry {
    boolean add(Object o) {
        return true;
    }

    Object remove(Object key) {
        return null;
    }

    boolean isEmpty() {
        return true;
    }

    public String toString() {
        return "Registry";
    }
}

class Cache {
    private final Map<String, String> map;
    private final Registry registry;

    Cache(Map<String, String> map, Registry registry) {
        this.map = map;
        this.registry = registry;
    }

    void work(String s) {
        List<String> l = new ArrayList<>();
        l.add(s);
        map.remove(s);
        s.isEmpty();
        s.trim().toString();
        l.stream().filter(x -> x.isEmpty()).count();
        registry.add(s);
    }
}
