package io.cachepatterns.shared.problem;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;
import java.io.IOException;

/**
 * Every string a JSON body carries must be text that the stores keep as sent: no NUL (PostgreSQL refuses it in a
 * text column, with an error that would reach the client as a 500) and no unpaired surrogate (half of a character,
 * which JSON's {@code \\uD800} escapes can produce and UTF-8 cannot encode). Checked once, where JSON strings are
 * read, for every field of every service: the field is named in a 400 problem before any code sees the value.
 */
@Singleton
public class PlainText implements ObjectMapperCustomizer {

    /** A JSON string that is not plain text; the problem mappers answer it as a 400 naming the field. */
    public static final class RefusedText extends JsonMappingException {
        RefusedText(JsonParser parser, String reason) {
            super(parser, reason);
        }
    }

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.registerModule(new SimpleModule("plain-text").addDeserializer(String.class, new Deserializer()));
    }

    /** Why {@code text} is refused, or {@code null} if it is plain text. */
    public static String refusal(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\0') {
                return "contains a NUL character";
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return "contains half of a character (an unpaired surrogate)";
            }
            if (Character.isLowSurrogate(c)) {
                return "contains half of a character (an unpaired surrogate)";
            }
        }
        return null;
    }

    private static final class Deserializer extends StdScalarDeserializer<String> {

        Deserializer() {
            super(String.class);
        }

        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            String text = StringDeserializer.instance.deserialize(parser, context);
            String refusal = text == null ? null : refusal(text);
            if (refusal != null) {
                throw new RefusedText(parser, refusal);
            }
            return text;
        }
    }
}
