package dev.hoist.oci;

import org.junit.jupiter.api.Test;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The records whose equals and hashCode are written by hand (to spare a cold start their invokedynamic bootstrap)
 * keep a record's semantics: equal exactly when every component is equal, with equal hash codes then.
 */
class HandEqualityTest {
    private static final Digest D1 = Digest.sha256("one".getBytes());
    private static final Digest D2 = Digest.sha256("two".getBytes());

    @Test
    void descriptorComparesEveryComponent() throws Exception {
        Object[] base = {"application/vnd.oci.image.manifest.v1+json", D1, 10L, List.of("http://a"), Map.of("k", "v"),
            "ZGF0YQ==", new Platform("linux", "amd64"), "application/x"};
        Object[] other = {"application/vnd.oci.image.index.v1+json", D2, 11L, List.of("http://b"), Map.of("k", "w"),
            "b3RoZXI=", new Platform("linux", "arm64"), "application/y"};
        checkEveryComponent(Descriptor.class, base, other);
    }

    @Test
    void platformComparesEveryComponent() throws Exception {
        Object[] base = {"amd64", "linux", "10.0", List.of("f1"), "v8", List.of("x")};
        Object[] other = {"arm64", "windows", "11.0", List.of("f2"), "v7", List.of("y")};
        checkEveryComponent(Platform.class, base, other);
    }

    private static void checkEveryComponent(Class<?> type, Object[] base, Object[] other) throws Exception {
        RecordComponent[] rc = type.getRecordComponents();
        Class<?>[] types = new Class<?>[rc.length];
        for (int i = 0; i < rc.length; i++) {
            types[i] = rc[i].getType();
        }
        var ctor = type.getDeclaredConstructor(types);
        Object a = ctor.newInstance(base);
        Object b = ctor.newInstance(base.clone());
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, null);
        assertNotEquals(a, "not a " + type.getSimpleName());
        List<String> differing = new ArrayList<>();
        for (int i = 0; i < rc.length; i++) {
            Object[] changed = base.clone();
            changed[i] = other[i];
            Object c = ctor.newInstance(changed);
            if (!a.equals(c) && !c.equals(a)) {
                differing.add(rc[i].getName());
            }
            if (!(changed[i] instanceof Long)) {   // a missing optional component is not equal to a present one
                changed[i] = null;
                try {
                    Object n = ctor.newInstance(changed);
                    assertNotEquals(a, n, rc[i].getName() + " null");
                } catch (java.lang.reflect.InvocationTargetException required) {
                    // a component the record requires
                }
            }
        }
        assertEquals(List.of(rc).stream().map(RecordComponent::getName).toList(), differing);
    }
}
