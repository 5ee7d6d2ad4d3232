package io.cachepatterns.profile.account.service;

import io.cachepatterns.shared.auth.Role;
import io.cachepatterns.shared.problem.ProblemException;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** The roles a profile should have, exactly: {@code {"roles": ["editor"]}}; an empty list takes every role away. */
public record RoleChange(@NotNull @Size(max = 3) List<String> roles) {

    /** The roles named; a 400 naming {@code roles} for a name that is no role. */
    public Set<Role> roleSet() {
        Set<Role> set = EnumSet.noneOf(Role.class);
        for (String name : roles) {
            Role role = Role.fromWire(name);
            if (role == null) {
                throw ProblemException.badRequest("roles", "'" + name + "' is not a role: editor, admin or service");
            }
            set.add(role);
        }
        return set;
    }
}
