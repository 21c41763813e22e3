package dev.isthmus.compile.policy;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.isthmus.compile.Access;
import dev.isthmus.compile.CompileContext;
import dev.isthmus.compile.PolicyCompiler;
import dev.isthmus.compile.Problems;
import dev.isthmus.compile.RoutePolicy;
import dev.isthmus.compile.Text;
import dev.isthmus.model.ConditionReason;
import dev.isthmus.spec.BasicAuth;
import dev.isthmus.spec.GatewayRouteSpec;
import dev.isthmus.spec.SecretKeyRef;

/**
 * {@code auth.basic}: HTTP basic credentials (RFC 7617) checked against bcrypt htpasswd entries,
 * from a Secret in the route's own namespace or, for the operator, a file. Missing or wrong: 401
 * with {@code WWW-Authenticate: Basic realm="..."}. The IR names where the entries are, never
 * what they are: the admin endpoints and status show it as it is.
 *
 * @param userHeader lower-case header carrying the user's name to the backend, or null
 * @param policy the named policy it comes from, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BasicAuthPolicy(Htpasswd source, String realm, String userHeader, boolean forwardCredentials, String policy)
        implements RoutePolicy {

    public static final String NAME = "auth.basic";

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Where htpasswd entries are: a Secret's key ({@code namespace}, {@code secret}, {@code key}) or a
     * file ({@code file}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Htpasswd(String namespace, String secret, String key, String file) {

        public static Htpasswd secret(String namespace, String name, String key) {
            return new Htpasswd(namespace, name, key, null);
        }

        public static Htpasswd file(String path) {
            return new Htpasswd(null, null, null, path);
        }

        public boolean isSecret() {
            return secret != null;
        }

        @Override
        public String toString() {
            return isSecret() ? "secret " + namespace + "/" + secret + " key " + key : "file " + file;
        }
    }

    public static final class Compiler implements PolicyCompiler<BasicAuthPolicy> {

        private static final java.util.regex.Pattern SECRET_NAME = java.util.regex.Pattern.compile(SecretKeyRef.NAME_PATTERN);
        private static final java.util.regex.Pattern SECRET_KEY = java.util.regex.Pattern.compile(SecretKeyRef.KEY_PATTERN);
        /** RFC 7230 quoted-string content without quotes and backslashes: a realm never needs escaping. */
        private static final java.util.regex.Pattern REALM = java.util.regex.Pattern.compile("^[ !#-\\[\\]-~]{1,128}$");

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Scope scope() {
            return Scope.ROUTE;
        }

        @Override
        public boolean declared(GatewayRouteSpec spec) {
            return spec.auth() != null && spec.auth().basic() != null;
        }

        @Override
        public boolean accessPolicy() {
            return true;
        }

        @Override
        public BasicAuthPolicy compile(CompileContext c) {
            Access a = c.access();
            if (a == null || a.auth() == null || a.auth().basic() == null) {
                return null;
            }
            BasicAuth b = a.auth().basic();
            Problems p = c.problems();
            Htpasswd source = null;
            if ((b.secretRef() == null) == (b.file() == null)) {
                p.fail(ConditionReason.INVALID_AUTH, a.field("auth.basic") + " needs exactly one of secretRef or file");
            }
            else if (b.secretRef() != null) {
                source = secret(p, a, b.secretRef());
            }
            else if (!a.operatorOwned()) {
                p.fail(ConditionReason.INVALID_AUTH, a.field("auth.basic.file") + " reads the gateway's own filesystem: only the routes file and "
                        + "isthmus.auth.policies may use it; use secretRef (a Secret in this namespace)");
            }
            else if (b.file().isBlank() || Text.hasControl(b.file()) || b.file().length() > 4096) {
                p.fail(ConditionReason.INVALID_AUTH, a.field("auth.basic.file") + " must be a path");
            }
            else {
                source = Htpasswd.file(b.file());
            }
            String realm = b.realm() == null ? (a.policy() != null ? a.policy() : c.name()) : b.realm();
            if (!REALM.matcher(realm).matches()) {
                if (b.realm() != null) {
                    p.fail(ConditionReason.INVALID_AUTH, a.field("auth.basic.realm") + " must be 1-128 printable characters without '\"' or '\\'");
                }
                realm = "isthmus";
            }
            String user = b.userHeader() == null ? null : AccessFields.header(p, a.field("auth.basic.userHeader"), b.userHeader(), true);
            return new BasicAuthPolicy(source, realm, user, Boolean.TRUE.equals(b.forwardCredentials()), a.policy());
        }

        private static Htpasswd secret(Problems p, Access a, SecretKeyRef ref) {
            String namespace = a.secretNamespace();
            if (namespace == null) {
                p.fail(ConditionReason.INVALID_AUTH, a.field("auth.basic.secretRef") + " is for GatewayRoutes and ConfigMap routes (a Secret in "
                        + "their namespace); the routes file and isthmus.auth.policies use auth.basic.file");
                return null;
            }
            if (ref.name() == null || !SECRET_NAME.matcher(ref.name()).matches()) {
                p.fail(ConditionReason.INVALID_AUTH, a.field("auth.basic.secretRef.name") + " '" + Text.abbreviate(String.valueOf(ref.name()))
                        + "' is not a Secret name");
                return null;
            }
            String key = ref.key() == null ? SecretKeyRef.DEFAULT_KEY : ref.key();
            if (!SECRET_KEY.matcher(key).matches()) {
                p.fail(ConditionReason.INVALID_AUTH, a.field("auth.basic.secretRef.key") + " '" + Text.abbreviate(key) + "' is not a Secret key");
                return null;
            }
            return Htpasswd.secret(namespace, ref.name(), key);
        }
    }
}
