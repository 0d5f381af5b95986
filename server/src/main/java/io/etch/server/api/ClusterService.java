package io.etch.server.api;

import io.etch.api.etcdserverpb.ClusterGrpc;
import io.etch.api.etcdserverpb.Member;
import io.etch.api.etcdserverpb.MemberListRequest;
import io.etch.api.etcdserverpb.MemberListResponse;
import io.etch.api.etchpb.MemberAttributes;
import io.etch.raft.ClusterMember;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * etcd's {@code etcdserverpb.Cluster} service (etcd {@code v3rpc/member.go}). MemberList answers from
 * this member's view: peer URLs from the cluster configuration, name and client URLs from what each
 * member published through raft (empty name = "unstarted"), sorted by ID; the header has no revision.
 */
public final class ClusterService extends ClusterGrpc.ClusterImplBase {
    private final MemberContext member;

    public ClusterService(MemberContext member) {
        this.member = member;
    }

    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> out) {
        Calls.now(out, () -> MemberListResponse.newBuilder()
                .setHeader(member.headerWithoutRevision())
                .addAllMembers(members())
                .build());
    }

    private List<Member> members() {
        List<ClusterMember> sorted = new ArrayList<>(member.raft().members());
        sorted.sort(Comparator.comparing(ClusterMember::id, Long::compareUnsigned));
        List<Member> out = new ArrayList<>();
        for (ClusterMember m : sorted) {
            Member.Builder b = Member.newBuilder().setID(m.id()).addAllPeerURLs(m.peerUrls());
            MemberAttributes attrs = member.raft().directory().attributes(m.id());
            if (attrs != null) {
                b.setName(attrs.getName()).addAllClientURLs(attrs.getClientUrlsList());
            }
            out.add(b.build());
        }
        return out;
    }
}
