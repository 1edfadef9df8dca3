package io.jvmm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChallengeTest {
    @Test
    void dockerHubBearerChallenge() {
        var cs = Challenge.parseAll(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull,push\"");
        assertEquals(1, cs.size());
        assertEquals("bearer", cs.getFirst().scheme());
        assertEquals("https://auth.docker.io/token", cs.getFirst().params().get("realm"));
        assertEquals("registry.docker.io", cs.getFirst().params().get("service"));
        assertEquals(
                "repository:library/busybox:pull,push",
                cs.getFirst().params().get("scope"),
                "a comma inside quotes stays");
    }

    @Test
    void severalChallengesInOneHeader() {
        var two = Challenge.parseAll("Basic realm=\"x\", Bearer realm=\"y\",service=s");
        assertEquals(
                List.of("basic", "bearer"), two.stream().map(Challenge::scheme).toList());
        assertEquals(Map.of("realm", "x"), two.get(0).params());
        assertEquals(Map.of("realm", "y", "service", "s"), two.get(1).params());
    }

    @Test
    void schemesAndParameterNamesAreCaseInsensitiveValuesAreNot() {
        var c = Challenge.parseAll("BEARER Realm=\"https://Reg.Example/Token\",SERVICE=Svc")
                .getFirst();
        assertEquals("bearer", c.scheme());
        assertEquals(Map.of("realm", "https://Reg.Example/Token", "service", "Svc"), c.params());
    }

    @Test
    void escapedQuotesAndSpacesAroundEquals() {
        var c = Challenge.parseAll(
                        "Bearer realm = \"https://r/t?a=1,b=2\" , error=\"say \\\"hi\\\"\", scope = repo:pull")
                .getFirst();
        assertEquals("https://r/t?a=1,b=2", c.params().get("realm"));
        assertEquals("say \"hi\"", c.params().get("error"));
        assertEquals("repo:pull", c.params().get("scope"));
    }

    @Test
    void aBareSchemeAndAnEmptyHeader() {
        assertEquals(List.of(new Challenge("basic", Map.of())), Challenge.parseAll("Basic"));
        assertEquals(List.of(), Challenge.parseAll(""));
        assertEquals(List.of(), Challenge.parseAll(" , "));
    }
}
