package dev.hoist.oci.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hoist.oci.OciJson;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ErrorResponseTest {
    /** The hand-made tree must give the bytes data binding gave before, for every shape of error. */
    @Test
    void writesWhatDataBindingWrote() throws Exception {
        JsonNode detail = OciJson.readTree("{\"digest\":\"sha256:ab\",\"n\":[1,2.50,{\"x\":null}]}".getBytes());
        List<ErrorResponse> cases = List.of(
                ErrorResponse.of(ErrorCode.BLOB_UNKNOWN, null, null),
                ErrorResponse.of(ErrorCode.MANIFEST_INVALID, "bad \"manifest\"\n\u00e9\u2028\ud83d\ude00", detail),
                ErrorResponse.of(ErrorCode.DENIED, "", JsonNodeFactory.instance.textNode("why")),
                new ErrorResponse(List.of(new ErrorResponse.Error(null, null, null),
                        new ErrorResponse.Error("UNKNOWN", "two", JsonNodeFactory.instance.nullNode()))),
                new ErrorResponse(null));
        for (ErrorResponse r : cases) {
            byte[] bound = OciJson.newMapper().writeValueAsBytes(r);
            assertArrayEquals(bound, OciJson.write(r), new String(bound));
        }
        assertEquals("{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown to registry\"}]}",
                OciJson.writeString(ErrorResponse.of(ErrorCode.BLOB_UNKNOWN, null, null)));
    }
}
