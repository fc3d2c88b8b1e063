// Reads a secret through keyward agent (or the AWS Secrets Manager Agent)
// with java.net.http (Java 11+), no dependencies. Run: java GetSecret.java ID
// Env: AGENT_URL (default http://localhost:2773), TOKEN_FILE or AWS_TOKEN.
// Parse the JSON body with the library your service already uses (Jackson,
// Gson); this example only checks the status and prints the body's size.
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

public class GetSecret {
  static String token() throws Exception {
    String file = System.getenv("TOKEN_FILE");
    String env = System.getenv("AWS_TOKEN");
    if (file == null && env != null && env.startsWith("file://")) {
      file = env.substring("file://".length());
    }
    return file != null ? Files.readString(Path.of(file)).strip() : env;
  }

  public static String getSecretJson(String secretId) throws Exception {
    String base = System.getenv().getOrDefault("AGENT_URL", "http://localhost:2773");
    HttpRequest req = HttpRequest.newBuilder()
        .uri(URI.create(base + "/secretsmanager/get?secretId="
            + URLEncoder.encode(secretId, StandardCharsets.UTF_8)))
        .header("X-Aws-Parameters-Secrets-Token", token())
        .timeout(Duration.ofSeconds(5))
        .GET()
        .build();
    HttpResponse<String> res = HttpClient.newHttpClient()
        .send(req, HttpResponse.BodyHandlers.ofString());
    if (res.statusCode() != 200) {
      throw new IllegalStateException("agent answered " + res.statusCode());
    }
    return res.body();  // {"ARN":..,"Name":..,"SecretString":..,...}
  }

  public static void main(String[] args) throws Exception {
    String body = getSecretJson(args[0]);
    System.out.println("read " + args[0] + " (" + body.length() + " bytes of JSON)");
  }
}
