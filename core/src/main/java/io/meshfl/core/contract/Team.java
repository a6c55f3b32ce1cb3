package io.meshfl.core.contract;

import java.util.List;

/** The team that owns a product. */
public record Team(String name, List<Member> members) {

    /** One team member and their role, such as owner or steward. */
    public record Member(String username, String role) {
    }

    public Team {
        members = members == null ? List.of() : List.copyOf(members);
    }

    /** Usernames of members whose role is {@code owner}. */
    public List<String> owners() {
        return members.stream().filter(m -> "owner".equalsIgnoreCase(m.role())).map(Member::username).toList();
    }
}
